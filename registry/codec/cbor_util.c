/* cbor_util.c - placeholder until its implementation lands. */
typedef int ig_placeholder_cbor_util_;
