#include "store/fingerprint.h"
