package errors

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTablesAreSortedForBinarySearch(t *testing.T) {
	for i := 1; i < len(reasonNames); i++ {
		a, b := reasonNames[i-1], reasonNames[i]
		require.Truef(t, a.lib < b.lib || (a.lib == b.lib && a.reason < b.reason),
			"entries %d and %d are out of order: %v %v", i-1, i, a, b)
	}
	for _, r := range reasonNames {
		name, ok := ReasonName(int(r.lib), int(r.reason))
		require.True(t, ok)
		require.Equal(t, r.name, name)
	}
}

func TestTablesSpotChecks(t *testing.T) {
	reasons := []struct {
		lib, reason int
		name        string
	}{
		{20, 134, "CERTIFICATE_VERIFY_FAILED"},
		{9, 108, "NO_START_LINE"},
		{11, 116, "KEY_VALUES_MISMATCH"},
		{20, ReasonUnexpectedEOFWhileReading, "UNEXPECTED_EOF_WHILE_READING"},
		{20, 1040, "SSLV3_ALERT_HANDSHAKE_FAILURE"},
		{13, 142, "NOT_ENOUGH_DATA"},
	}
	for _, r := range reasons {
		name, ok := ReasonName(r.lib, r.reason)
		assert.True(t, ok, r.name)
		assert.Equal(t, r.name, name)
	}
	libs := map[int]string{2: "SYS", 9: "PEM", 11: "X509", 13: "ASN1", 20: "SSL", 34: "X509V3", 57: "PROV"}
	for code, want := range libs {
		name, ok := LibName(code)
		assert.True(t, ok, want)
		assert.Equal(t, want, name)
	}
	assert.Equal(t, LibSSL, 20)
	assert.Equal(t, LibSYS, 2)
}

func TestTablesLeaveOutCommonReasonsAndUnknownCodes(t *testing.T) {
	for _, code := range []int{RFlagCommon | 9, RFlagCommon | 1, 0} {
		_, ok := ReasonName(LibSSL, code)
		assert.False(t, ok, code)
	}
	_, ok := ReasonName(200, 100)
	assert.False(t, ok)
	for _, lib := range []int{-1, 0, 12, 23, 255, 256, 1 << 20} {
		_, ok := LibName(lib)
		assert.False(t, ok, lib)
	}
}

// TestGeneratedTablesAreUpToDate regenerates tables_gen.go from the
// installed OpenSSL headers and fails if the committed file differs.
func TestGeneratedTablesAreUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator with go run")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go tool not found on PATH")
	}
	cmd := exec.Command(goTool, "run", "../scripts/generrtables", "-o", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("generator did not run (are the OpenSSL headers installed? make deps): %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`const tablesVersion = "([^"]*)"`).FindSubmatch(out)
	require.NotNil(t, m, "generator output has no tablesVersion")
	if string(m[1]) != tablesVersion {
		t.Skipf("installed headers are %q, tables are from %q", m[1], tablesVersion)
	}
	committed, err := os.ReadFile("tables_gen.go")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(committed, out), "tables_gen.go is stale: run go generate ./errors/")
}

// TestTablesAgreeWithPython compares the tables with the ones in
// Python's _ssl module: every code both know must have the same name.
func TestTablesAgreeWithPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 not found on PATH: make deps installs it")
	}
	out, err := exec.Command(py, "-c", `
import json, _ssl
print(json.dumps({
    "reasons": [[l, r, n] for (l, r), n in _ssl.err_codes_to_names.items()],
    "libs": {str(k): v for k, v in _ssl.lib_codes_to_names.items()},
}))`).Output()
	if err != nil {
		t.Fatalf("python3 has no usable _ssl: %v", err)
	}
	var dump struct {
		Reasons [][3]any          `json:"reasons"`
		Libs    map[string]string `json:"libs"`
	}
	require.NoError(t, json.Unmarshal(out, &dump))

	both, onlyPython := 0, 0
	for _, r := range dump.Reasons {
		lib, reason, name := int(r[0].(float64)), int(r[1].(float64)), r[2].(string)
		ours, ok := ReasonName(lib, reason)
		if !ok {
			onlyPython++
			continue
		}
		both++
		assert.Equalf(t, name, ours, "reason (%d, %d)", lib, reason)
	}
	t.Logf("reasons: %d in Python, %d in ours, %d in both, %d only in Python",
		len(dump.Reasons), len(reasonNames), both, onlyPython)
	assert.Greater(t, both, 1500, "too few reason codes in common with Python")

	libsBoth := 0
	for k, name := range dump.Libs {
		code, err := strconv.Atoi(k)
		require.NoError(t, err)
		ours, ok := LibName(code)
		if !ok {
			continue
		}
		libsBoth++
		assert.Equalf(t, name, ours, "library %d", code)
	}
	t.Logf("libraries: %d in Python, %d in both", len(dump.Libs), libsBoth)
	assert.Greater(t, libsBoth, 40, "too few library codes in common with Python")
}

func TestReasonCodeInvertsTheNameTables(t *testing.T) {
	lib, reason, ok := ReasonCode("SSL", "CERTIFICATE_VERIFY_FAILED")
	require.True(t, ok)
	assert.Equal(t, 20, lib)
	assert.Equal(t, 134, reason)
	lib, reason, ok = ReasonCode("PEM", "NO_START_LINE")
	require.True(t, ok)
	assert.Equal(t, [2]int{9, 108}, [2]int{lib, reason})
	for _, r := range reasonNames {
		libName, _ := LibName(int(r.lib))
		l, rr, ok := ReasonCode(libName, r.name)
		require.True(t, ok, "%s/%s", libName, r.name)
		assert.Equal(t, r.name, func() string { n, _ := ReasonName(l, rr); return n }())
	}
	_, _, ok = ReasonCode("SSL", "NO_SUCH_REASON")
	assert.False(t, ok)
	_, _, ok = ReasonCode("NOLIB", "CERTIFICATE_VERIFY_FAILED")
	assert.False(t, ok)
}
