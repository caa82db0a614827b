#include "store/thread_store.h"
