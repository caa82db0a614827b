#include "checks/subject.h"
