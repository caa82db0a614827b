#include "message/quote.h"
