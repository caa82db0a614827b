#include "message/encoded_words.h"
