/* hcert.c - placeholder. */
typedef int ig_placeholder_hcert_;
