#include "message/msgid.h"
