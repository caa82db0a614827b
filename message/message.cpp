#include "message/message.h"
