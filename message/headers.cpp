#include "message/headers.h"
