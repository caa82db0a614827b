#include "message/mime.h"
