#include "message/params.h"
