/* cose.c - placeholder until its implementation lands. */
typedef int ig_placeholder_cose_;
