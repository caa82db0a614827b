#include "checks/rules.h"
