// Command reference checks a transparency log written by kredit-tlog's
// tests/go_reference.rs with Go's golang.org/x/mod/sumdb implementation:
// the checkpoint opens with note.Open, the tiles authenticate against the
// checkpoint root through tlog.TileHashReader and give its tlog.TreeHash,
// every inclusion proof passes tlog.CheckRecord and equals tlog.ProveRecord,
// the consistency proof passes tlog.CheckTree and equals tlog.ProveTree, and
// the entry bundles hash to the level-0 tiles. Any failure exits non-zero.
//
// Run in GOPATH mode against Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run main.go <dir>
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type record struct {
	Index int64    `json:"index"`
	Entry []byte   `json:"entry"`
	Proof [][]byte `json:"proof"`
}

type proofs struct {
	Records     []record `json:"records"`
	OldSize     int64    `json:"old_size"`
	OldRoot     []byte   `json:"old_root"`
	Consistency [][]byte `json:"consistency"`
}

// dirTiles serves C2SP tiles from a directory. C2SP paths are x/mod's
// without the height element: tile/8/0/x001/234.p/5 is tile/0/x001/234.p/5.
type dirTiles struct{ dir string }

func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

func (d dirTiles) Height() int { return 8 }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(filepath.Join(d.dir, c2spPath(t)))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func toHash(b []byte) tlog.Hash {
	var h tlog.Hash
	if len(b) != tlog.HashSize {
		fail("hash of %d bytes", len(b))
	}
	copy(h[:], b)
	return h
}

func toHashes(bs [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(bs))
	for i, b := range bs {
		out[i] = toHash(b)
	}
	return out
}

func equal(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: reference <dir>")
	}
	dir := os.Args[1]
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			fail("%v", err)
		}
		return b
	}

	verifier, err := note.NewVerifier(strings.TrimSpace(string(read("vkey"))))
	if err != nil {
		fail("vkey: %v", err)
	}
	n, err := note.Open(read("checkpoint"), note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil {
		fail("checkpoint root: %v", err)
	}
	root := toHash(rootBytes)
	tree := tlog.Tree{N: size, Hash: root}
	hashes := tlog.TileHashReader(tree, dirTiles{dir})

	th, err := tlog.TreeHash(size, hashes)
	if err != nil {
		fail("TreeHash: %v", err)
	}
	if th != root {
		fail("TreeHash %v, checkpoint %v", th, root)
	}

	var p proofs
	if err := json.Unmarshal(read("proofs.json"), &p); err != nil {
		fail("proofs.json: %v", err)
	}
	for _, r := range p.Records {
		proof := tlog.RecordProof(toHashes(r.Proof))
		if err := tlog.CheckRecord(proof, size, root, r.Index, tlog.RecordHash(r.Entry)); err != nil {
			fail("CheckRecord %d: %v", r.Index, err)
		}
		goProof, err := tlog.ProveRecord(size, r.Index, hashes)
		if err != nil {
			fail("ProveRecord %d: %v", r.Index, err)
		}
		if !equal(goProof, proof) {
			fail("ProveRecord %d differs from the Rust proof", r.Index)
		}
	}

	oldRoot := toHash(p.OldRoot)
	if goOld, err := tlog.TreeHash(p.OldSize, hashes); err != nil || goOld != oldRoot {
		fail("TreeHash(%d): %v %v, want %v", p.OldSize, goOld, err, oldRoot)
	}
	treeProof := tlog.TreeProof(toHashes(p.Consistency))
	if err := tlog.CheckTree(treeProof, size, root, p.OldSize, oldRoot); err != nil {
		fail("CheckTree %d -> %d: %v", p.OldSize, size, err)
	}
	goTreeProof, err := tlog.ProveTree(size, p.OldSize, hashes)
	if err != nil {
		fail("ProveTree: %v", err)
	}
	if !equal(goTreeProof, treeProof) {
		fail("ProveTree %d -> %d differs from the Rust proof", p.OldSize, size)
	}

	// Entry bundles against the level-0 tiles they belong to.
	bundles := 0
	// (Not tlog.NewTiles: it lists every intermediate partial width, and a
	// C2SP log serves only the current one.)
	for start := int64(0); start < size; start += 256 {
		w := size - start
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(w)}
		entries := read("tile/entries/" + strings.TrimPrefix(c2spPath(t), "tile/0/"))
		tile := read(c2spPath(t))
		var leaves []byte
		for len(entries) > 0 {
			if len(entries) < 2 {
				fail("truncated entry bundle for %v", c2spPath(t))
			}
			l := int(binary.BigEndian.Uint16(entries))
			if len(entries) < 2+l {
				fail("truncated entry in bundle for %v", c2spPath(t))
			}
			h := tlog.RecordHash(entries[2 : 2+l])
			leaves = append(leaves, h[:]...)
			entries = entries[2+l:]
		}
		if !bytes.Equal(leaves, tile) {
			fail("entry bundle does not hash to %v", c2spPath(t))
		}
		bundles++
	}

	fmt.Printf("ok: tree of %d, %d records, consistency from %d, %d entry bundles\n",
		size, len(p.Records), p.OldSize, bundles)
}
