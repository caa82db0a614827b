#include "message/charset.h"
