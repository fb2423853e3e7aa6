/* msgpack_util.c - placeholder. */
typedef int ig_placeholder_msgpack_util_;
