package browsercookies

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"errors"
	"fmt"
	"sync"
)

// Chromium's cookie encryption ("os_crypt"), as its source code has it:
// components/os_crypt/sync/os_crypt_{linux,mac,win}.cc.
const (
	// saltySalt is the PBKDF2 salt on Linux and macOS.
	saltySalt = "saltysalt"
	// linuxIterations and macIterations are the PBKDF2 iteration counts.
	linuxIterations = 1
	macIterations   = 1003
	// cbcKeyLen is AES-128's key length.
	cbcKeyLen = 16
	// peanuts is the password of Linux's "v10" values: the fixed key used
	// with --password-store=basic, or when no keyring is available.
	peanuts = "peanuts"
	// gcmNonceLen is the nonce length of Windows' AES-256-GCM values.
	gcmNonceLen = 12
	// hostHashLen is the length of the SHA-256 of the host key that the
	// plaintext starts with since the database's version 24 (Chrome 130).
	hostHashLen          = 32
	hostHashMetaVersion  = 24
	prefixV10, prefixV11 = "v10", "v11"
	// prefixV20 marks app-bound encryption (Windows, Chrome 127 and later).
	prefixV20 = "v20"
)

// cbcIV is the IV of Linux's and macOS' AES-128-CBC: 16 spaces.
var cbcIV = bytes.Repeat([]byte{' '}, aes.BlockSize)

// decrypter decrypts a Chromium encrypted_value.
type decrypter interface {
	decrypt(ctx context.Context, value []byte) ([]byte, error)
}

// keySource makes the decrypter of a profile.
type keySource func(p *Profile, o *Options) decrypter

// errAppBound is why a "v20" value cannot be read.
var errAppBound = errors.New("app-bound encryption (v20)")

// errWrongKey is a value that does not decrypt with the key at hand.
var errWrongKey = errors.New("the value does not decrypt with the key")

// deriveKey is PBKDF2-HMAC-SHA1 of password over saltysalt: the AES-128 key
// of Linux and macOS.
func deriveKey(password []byte, iterations int) []byte {
	key, err := pbkdf2.Key(sha1.New, string(password), []byte(saltySalt), iterations, cbcKeyLen)
	if err != nil {
		// Only a FIPS 140-only mode refuses SHA-1 or a short key; the
		// browser's format needs both.
		panic(fmt.Sprintf("browsercookies: PBKDF2: %v", err))
	}
	return key
}

// decryptCBC undoes AES-128-CBC with the IV of spaces and PKCS#7 padding.
func decryptCBC(key, data []byte) ([]byte, error) {
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, errWrongKey
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, cbcIV).CryptBlocks(out, data)
	n := int(out[len(out)-1])
	if n == 0 || n > aes.BlockSize || n > len(out) {
		return nil, errWrongKey
	}
	for _, b := range out[len(out)-n:] {
		if int(b) != n {
			return nil, errWrongKey
		}
	}
	return out[:len(out)-n], nil
}

// encryptCBC is decryptCBC's inverse, for tests that make values the way
// the browser does.
func encryptCBC(key, plain []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(n)}, n)...)
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, cbcIV).CryptBlocks(out, padded)
	return out
}

// decryptGCM undoes Windows' AES-256-GCM: nonce, ciphertext, tag.
func decryptGCM(key, data []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("the key in Local State is not an AES key: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(data) < gcmNonceLen+gcm.Overhead() {
		return nil, errWrongKey
	}
	out, err := gcm.Open(nil, data[:gcmNonceLen], data[gcmNonceLen:], nil)
	if err != nil {
		return nil, errWrongKey
	}
	return out, nil
}

// lazySecret fetches a secret once, when first needed, and keeps it (or
// the error) for the rest of the read.
type lazySecret struct {
	once  sync.Once
	fetch func(ctx context.Context) ([]byte, error)
	value []byte
	err   error
}

func (l *lazySecret) get(ctx context.Context) ([]byte, error) {
	l.once.Do(func() { l.value, l.err = l.fetch(ctx) })
	return l.value, l.err
}

// cbcDecrypter is Linux's and macOS' scheme: "v10" values with v10's key,
// "v11" values (Linux) with the keyring's; each key PBKDF2 of a password.
type cbcDecrypter struct {
	iterations int
	// v10 are v10's passwords, tried in turn (Linux: "peanuts", then the
	// empty one some builds used); nil fetches v10's from the keychain
	// (macOS).
	v10 []string
	// keyring fetches the password kept in the platform's keyring: v11's
	// on Linux, v10's on macOS.
	keyring *lazySecret
}

func (d *cbcDecrypter) decrypt(ctx context.Context, value []byte) ([]byte, error) {
	prefix, data := string(value[:min(3, len(value))]), value[min(3, len(value)):]
	var passwords [][]byte
	switch {
	case prefix == prefixV10 && d.v10 != nil:
		for _, p := range d.v10 {
			passwords = append(passwords, []byte(p))
		}
	case prefix == prefixV10 || prefix == prefixV11:
		pw, err := d.keyring.get(ctx)
		if err != nil {
			return nil, err
		}
		// Some Linux builds fell back to an empty password for v11.
		passwords = [][]byte{pw, {}}
	default:
		return nil, fmt.Errorf("unknown encryption %q", printablePrefix(value))
	}
	for _, pw := range passwords {
		if out, err := decryptCBC(deriveKey(pw, d.iterations), data); err == nil {
			return out, nil
		}
	}
	return nil, errWrongKey
}

// gcmDecrypter is Windows' scheme: "v10" (and "v11") values AES-256-GCM
// with the key of Local State, which DPAPI unwraps; values of before
// Chrome 80 DPAPI-encrypted whole; "v20" app-bound, refused.
type gcmDecrypter struct {
	key   *lazySecret
	dpapi func([]byte) ([]byte, error)
}

func (d *gcmDecrypter) decrypt(ctx context.Context, value []byte) ([]byte, error) {
	switch string(value[:min(3, len(value))]) {
	case prefixV10, prefixV11:
		key, err := d.key.get(ctx)
		if err != nil {
			return nil, err
		}
		return decryptGCM(key, value[3:])
	case prefixV20:
		return nil, errAppBound
	}
	out, err := d.dpapi(value)
	if err != nil {
		return nil, fmt.Errorf("DPAPI refused a value: %w", err)
	}
	return out, nil
}

// printablePrefix is the first bytes of an encrypted value, which name its
// scheme and hold no secret, or "?" if they are not printable.
func printablePrefix(v []byte) string {
	p := v[:min(3, len(v))]
	for _, b := range p {
		if b < 0x20 || b > 0x7e {
			return "?"
		}
	}
	return string(p)
}

// linuxDecrypter is Linux's scheme: v10 values with the fixed key, v11
// values with a key from the password keyring gives.
func linuxDecrypter(keyring func(ctx context.Context) ([]byte, error)) decrypter {
	return &cbcDecrypter{iterations: linuxIterations, v10: []string{peanuts, ""}, keyring: &lazySecret{fetch: keyring}}
}

// macDecrypter is macOS' scheme: v10 values with a key from the password
// keychain gives.
func macDecrypter(keychain func(ctx context.Context) ([]byte, error)) decrypter {
	return &cbcDecrypter{iterations: macIterations, keyring: &lazySecret{fetch: keychain}}
}

// windowsDecrypter is Windows' scheme: v10 values AES-256-GCM with the key
// key gives, older values with dpapi.
func windowsDecrypter(key func(ctx context.Context) ([]byte, error), dpapi func([]byte) ([]byte, error)) decrypter {
	return &gcmDecrypter{key: &lazySecret{fetch: key}, dpapi: dpapi}
}
