#include "cksuite.h"

Suite *render_suite(void)
{
        return suite_create("render");
}
