// SPDX-License-Identifier: MIT
// Every public header, compiled as C++.
#include "vscsiif/vscsiif.h"
int main()
{
    vscsi_sring s;
    vscsi_front_ring f;
    vscsi_sring_init(&s);
    vscsi_front_ring_init(&f, &s);
    return vscsi_front_free(&f) == 16 ? 0 : 1;
}
