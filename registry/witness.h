/*
 * witness.h - witnessing of checkpoints (docs/protocol.md, "Witnessing"):
 * when a member node cosigns another member's checkpoint, when a
 * checkpoint counts as federation-confirmed, and how a cosignature that
 * a witness sent back is taken.
 *
 * A witness cosigns a checkpoint (registry/checkpoint.h) of another
 * member only when
 *  1. it opens against the witness's root (a member's signature, the
 *     root's federation);
 *  2. it is SAME or an EXTENSION of the last checkpoint of that signer
 *     the witness cosigned (ig_checkpoint_compare), so that no witness
 *     helps a node roll a log back or fork it;
 *  3. every log the witness holds at least as far has the same head at
 *     that size (ig_checkpoint_check_registry);
 *  4. the witness holds every log at least as far as the checkpoint: a
 *     checkpoint AHEAD of the witness is not cosigned now (the signer
 *     asks again once the witness caught up): nothing is cosigned that
 *     was not checked.
 * ig_witness_judge decides it; the node (node/witness.c) keeps the last
 * cosigned checkpoint of each signer across restarts.
 *
 * A checkpoint is federation-confirmed when it carries valid
 * cosignatures (type 0x04, C2SP tlog-cosignature v1) of at least
 * ig_root_witness_threshold(root) distinct members other than its
 * signer: the signer's own signature states the checkpoint, it does not
 * witness it.
 */
#ifndef IG_REGISTRY_WITNESS_H
#define IG_REGISTRY_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/checkpoint.h"
#include "registry/codec/note.h"
#include "registry/registry.h"
#include "registry/root.h"

/* The bytes after the key hash of a cosignature line: time and
 * signature. */
#define IG_WITNESS_COSIG_LEN 72

/* Counts the cosignatures on cp (from ig_checkpoint_open, borrowed) by
 * distinct members of root other than cp's signer that verify
 * (ig_checkpoint_cosig_verify with the member's key) and writes the
 * count to *count. Lines of unknown keys are ignored; the signer's own
 * cosignature, if any, is not counted. IG_OK when the count is at least
 * ig_root_witness_threshold(root), IG_ETHRESHOLD when it is below,
 * IG_EBADSIG when a line by a member's cosigning key does not verify (the
 * note was altered; *count is then the valid ones), IG_EINVAL when cp has
 * no signed note, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_checkpoint_confirmed(
    const ig_checkpoint *cp, const ig_root *root, uint64_t *count);

/* What a witness does with a checkpoint. */
typedef enum ig_witness_verdict {
	IG_WITNESS_COSIGN = 0, /* checked: cosign it */
	IG_WITNESS_AHEAD = 1, /* a log longer than the witness holds */
	IG_WITNESS_ROLLBACK = 2, /* shorter than the last one cosigned */
	IG_WITNESS_FORK = 3, /* same size, another head than the last one */
	IG_WITNESS_CONFLICT = 4 /* a head differs from the witness's log */
} ig_witness_verdict;

/* The verdict and, but for COSIGN, the first origin that decided it
 * (borrowing cp or last) with its size in cp and in the other side (the
 * last cosigned checkpoint, or the witness's own log). */
typedef struct ig_witness_judgement {
	ig_witness_verdict verdict;
	ig_slice origin;
	uint64_t size;
	uint64_t other_size;
} ig_witness_judgement;

/* Judges cp (opened against the witness's root) for a witness over reg,
 * given last, the last checkpoint of the same signer this witness
 * cosigned (NULL: none). The rules of the file comment, in the order 2,
 * 3, 4. IG_OK with *out written; IG_EFEDERATION when last and cp are of
 * different federations, IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_witness_judge(const ig_checkpoint *last,
    const ig_checkpoint *cp, ig_registry *reg, ig_witness_judgement *out);

/* The short name of a verdict ("cosign", "ahead", "rollback", "fork",
 * "conflict"). */
const char *ig_witness_verdict_name(ig_witness_verdict v);

/* Takes the cosignature a witness sent back: reply is a signed note that
 * must open against root, have exactly own's note text (own from
 * ig_checkpoint_open, borrowed) and carry a valid cosignature by
 * witness_id (a member of root other than own's signer). On success the
 * line is copied to *line (its name and signature point into line_buf,
 * which the caller keeps while *line is used). IG_EFORMAT for a reply
 * that is no signed checkpoint or another text, IG_EFEDERATION,
 * IG_ENOTFOUND when witness_id is no member or has no cosignature on it,
 * IG_EBADSIG when it does not verify, IG_EINVAL when witness_id is own's
 * signer, IG_ENOMEM. Bad input never changes anything. */
IG_MUST_CHECK ig_err ig_witness_cosig_take(const ig_checkpoint *own,
    ig_slice reply, const ig_root *root, ig_slice witness_id,
    ig_note_sig *line, uint8_t line_buf[IG_MEMBER_ID_MAX + IG_NOTE_SIG_MAX]);

#endif /* IG_REGISTRY_WITNESS_H */
