/* zlib_bounded.c - placeholder until its implementation lands. */
typedef int ig_placeholder_zlib_bounded_;
