package core

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// SecretKeySize is the size of a key that seals stored secrets (TICKETBOT_SECRET_KEY).
const SecretKeySize = 32

// Sealed is a secret encrypted by a Sealer: "v1.<key id>.<base64 nonce+ciphertext>". Stores
// keep it as it is; only a Sealer with the key opens it.
type Sealed string

// Sealer encrypts secrets kept in the database (platform tokens) with AES-256-GCM. It seals
// with its first key and opens with any of its keys, so a key can be rotated: the new key
// first, the old ones after it until every secret was sealed again (Installs.Reseal).
type Sealer struct {
	keys []sealKey
}

type sealKey struct {
	id   string
	aead cipher.AEAD
}

// NewSealer builds a Sealer from keys of SecretKeySize bytes, the current one first.
// Errors: invalid (no key, or a key of the wrong size).
func NewSealer(keys ...[]byte) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, Errorf(EInvalid, "a secret key is needed to store platform tokens")
	}
	s := &Sealer{}
	for _, k := range keys {
		if len(k) != SecretKeySize {
			return nil, Errorf(EInvalid, "a secret key must be %d bytes, not %d", SecretKeySize, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, &Error{Code: EInvalid, Op: "core.NewSealer", Err: err}
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, &Error{Code: EInternal, Op: "core.NewSealer", Err: err}
		}
		sum := sha256.Sum256(k)
		s.keys = append(s.keys, sealKey{id: hex.EncodeToString(sum[:4]), aead: aead})
	}
	return s, nil
}

// Seal encrypts plain, bound to context (a sealed value opens only with the same context,
// so a ciphertext copied to another row is refused). Errors: internal.
func (s *Sealer) Seal(plain, context string) (Sealed, error) {
	k := s.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", &Error{Code: EInternal, Op: "core.Seal", Err: err}
	}
	out := k.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return Sealed("v1." + k.id + "." + base64.RawStdEncoding.EncodeToString(out)), nil
}

// Open decrypts v sealed with context. Errors: invalid (not sealed by any of the keys, or
// tampered with).
func (s *Sealer) Open(v Sealed, context string) (string, error) {
	parts := strings.SplitN(string(v), ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", Errorf(EInvalid, "not a sealed secret")
	}
	raw, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil {
		return "", Errorf(EInvalid, "not a sealed secret")
	}
	for _, k := range s.keys {
		if k.id != parts[1] || len(raw) < k.aead.NonceSize() {
			continue
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(context))
		if err != nil {
			return "", Errorf(EInvalid, "the sealed secret does not open with its key (tampered with, or sealed for another record)")
		}
		return string(plain), nil
	}
	return "", Errorf(EInvalid, "the secret was sealed with a key that is not configured (TICKETBOT_SECRET_KEY, TICKETBOT_SECRET_KEY_OLD)")
}

// Current reports whether v is sealed with the current (first) key.
func (s *Sealer) Current(v Sealed) bool {
	return strings.HasPrefix(string(v), "v1."+s.keys[0].id+".")
}
