#include "message/address.h"
