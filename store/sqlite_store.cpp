#include "store/sqlite_store.h"
