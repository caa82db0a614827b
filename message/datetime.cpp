#include "message/datetime.h"
