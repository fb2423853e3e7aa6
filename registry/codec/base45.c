/* base45.c - placeholder until its implementation lands. */
typedef int ig_placeholder_base45_;
