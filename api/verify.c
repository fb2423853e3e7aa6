/* verify.c - placeholder. */
typedef int ig_placeholder_verify_;
