#include "message/html_text.h"
