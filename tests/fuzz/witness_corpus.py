# witness_corpus.py - writes tests/fuzz/corpus/witness (C2SP tlog-cosignature
# v1, Ed25519) independently of the C code, over the harness's own note:
#   FUZZ_WITNESS_PRINT=1 replay_witness EMPTYDIR | grep -v '^replayed' > own
#   python3 tests/fuzz/witness_corpus.py tests/fuzz/corpus/witness own
import base64, hashlib, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
own = open(sys.argv[2], 'rb').read()
text = own[:own.rindex(b'\n\n')+1]
def key(i):
    k = Ed25519PrivateKey.from_private_bytes(bytes([i+1])*32)
    pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return k, pub
def cosig(name, i, t=1000):
    k, pub = key(i)
    kh = hashlib.sha256(name + b'\n' + b'\x04' + pub).digest()[:4]
    msg = b'cosignature/v1\ntime %d\n' % t + text
    sig = k.sign(msg)
    return b'\xe2\x80\x94 ' + name + b' ' + base64.b64encode(kh + struct.pack('>Q', t) + sig) + b'\n'
d = sys.argv[1]
b = own + cosig(b'b', 1)
open(d+'/cosigned_b','wb').write(b)
open(d+'/cosigned_c','wb').write(own + cosig(b'c', 2))
open(d+'/cosigned_bc','wb').write(b + cosig(b'c', 2))
fl = bytearray(b); fl[-10] = ord('A') if fl[-10] != ord('A') else ord('B')
open(d+'/cosigned_b_flipped','wb').write(bytes(fl))
open(d+'/truncated','wb').write(b[:len(b)//2])
open(d+'/empty','wb').write(b'')
