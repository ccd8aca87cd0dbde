#ifndef KT_VERSION_H
#define KT_VERSION_H
#define KTASKD_VERSION "0.1.0"
#endif
