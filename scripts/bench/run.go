package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/membio/membio/tests/pki"
)

// env is everything built once per run.
type env struct {
	cfg     config
	dir     string // temporary directory for binaries, certificates, configs
	root    string // module root
	cbench  string
	gobench string
	pybench string
	pki     *pki.PKI
	confs   map[string]string // TLS 1.3 suite -> OPENSSL_CONF file
	goImpls map[string]bool   // implementations compiled into gobench
	notes   []string          // printed under the table
	log     io.Writer
}

// procTimeout bounds one benchmark process.
const procTimeout = 5 * time.Minute

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the membio module")
	}
	return filepath.Dir(mod), nil
}

func setup(cfg config, log io.Writer) (*env, error) {
	for _, tool := range []string{"cc", "pkg-config", "python3", "taskset", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s is required (make deps installs it): %w", tool, err)
		}
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "membio-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, dir: dir, root: root, log: log, goImpls: map[string]bool{}}
	src := filepath.Join(root, "scripts", "bench")
	e.pybench = filepath.Join(src, "pybench.py")

	fmt.Fprintln(log, "building cbench, gobench and the certificates in", dir)
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libssl", "libcrypto").Output()
	if err != nil {
		return e, fmt.Errorf("pkg-config libssl libcrypto: %w", err)
	}
	e.cbench = filepath.Join(dir, "cbench")
	ccArgs := append([]string{"-O2", "-o", e.cbench, filepath.Join(src, "cbench.c")}, strings.Fields(string(flags))...)
	if out, err := exec.Command("cc", ccArgs...).CombinedOutput(); err != nil {
		return e, fmt.Errorf("cc %s: %w\n%s", strings.Join(ccArgs, " "), err, out)
	}

	e.gobench = filepath.Join(dir, "gobench")
	build := exec.Command("go", "build", "-o", e.gobench, "./scripts/bench/gobench")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return e, fmt.Errorf("go build ./scripts/bench/gobench: %w\n%s", err, out)
	}
	out, err := exec.Command(e.gobench, "list").Output()
	if err != nil {
		return e, fmt.Errorf("gobench list: %w", err)
	}
	for _, s := range strings.Fields(string(out)) {
		e.goImpls[s] = true
	}

	pkiDir := filepath.Join(dir, "pki")
	if err := os.Mkdir(pkiDir, 0o755); err != nil {
		return e, err
	}
	if e.pki, err = pki.Generate(pkiDir); err != nil {
		return e, fmt.Errorf("pki: %w", err)
	}

	// Python 3.11's ssl module cannot choose TLS 1.3 suites, so every
	// process gets them from the OpenSSL configuration's system defaults.
	e.confs = map[string]string{}
	for _, suite := range []string{suiteAES, suiteChaCha} {
		path := filepath.Join(dir, strings.ToLower(suite)+".cnf")
		conf := "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n[ssl_sect]\n" +
			"system_default = system_default_sect\n[system_default_sect]\nCiphersuites = " + suite + "\n"
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			return e, err
		}
		e.confs[suite] = path
	}
	return e, nil
}

func (e *env) cleanup() {
	if e.cfg.keep {
		fmt.Fprintln(e.log, "kept", e.dir)
		return
	}
	os.RemoveAll(e.dir)
}

// available reports whether an implementation can run here.
func (e *env) available(im impl) bool {
	switch im.id {
	case "c", "c-rb", "python":
		return true
	}
	return e.goImpls[im.id]
}

// job is one process: an implementation on a workload.
type job struct {
	im    impl
	w     workload
	n     int64
	warm  int
	trace bool
}

func (e *env) command(ctx context.Context, j job) *exec.Cmd {
	cert := e.pki.ServerECDSA
	if j.w.rsa {
		cert = e.pki.ServerRSA
	}
	args := []string{
		"kind=" + j.w.kind, "tls=" + j.w.tls, "ciphers=" + j.w.ciphers, "suites=" + j.w.suite,
		"n=" + strconv.FormatInt(j.n, 10), "wsize=" + strconv.FormatInt(j.w.wsize, 10),
		"cert=" + cert.ChainFile, "key=" + cert.KeyFile, "ca=" + e.pki.CAFile,
		"warm=" + strconv.Itoa(j.warm),
	}
	if j.trace {
		args = append(args, "trace=1")
	}
	var prog []string
	switch j.im.id {
	case "c":
		prog = []string{e.cbench}
	case "c-rb":
		prog = []string{e.cbench}
		args = append(args, "rb=1")
	case "python":
		prog = []string{"python3", e.pybench}
	default:
		prog = []string{e.gobench, "impl=" + j.im.id}
	}
	argv := append(append([]string{"-c", e.cfg.cpu}, prog...), args...)
	cmd := exec.CommandContext(ctx, "taskset", argv...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+e.confs[j.w.suite], "GOMAXPROCS=1")
	return cmd
}

// result is the parsed output of one process.
type result struct {
	fields map[string]string
	value  float64
	traces map[string]string // "phase dir" -> records
	err    error
}

func (r result) int(key string) int64 {
	v, _ := strconv.ParseInt(r.fields[key], 10, 64)
	return v
}

func (e *env) runJob(j job) result {
	ctx, cancel := context.WithTimeout(context.Background(), procTimeout)
	defer cancel()
	cmd := e.command(ctx, j)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{traces: map[string]string{}}
	if err != nil {
		r.err = fmt.Errorf("%s %s: %v: %s", j.im.id, j.w.id, err, lastLines(stderr.String(), 5))
		return r
	}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "RESULT "):
			r.fields = parseFields(line[len("RESULT "):])
		case strings.HasPrefix(line, "TRACE "):
			f := parseFields(line[len("TRACE "):])
			r.traces[f["phase"]+" "+f["dir"]] = f["recs"]
		}
	}
	if r.fields == nil {
		r.err = fmt.Errorf("%s %s: no RESULT line: %s", j.im.id, j.w.id, lastLines(stderr.String(), 5))
		return r
	}
	r.value, err = strconv.ParseFloat(r.fields["value"], 64)
	if err != nil {
		r.err = fmt.Errorf("%s %s: bad value %q", j.im.id, j.w.id, r.fields["value"])
	}
	return r
}

func parseFields(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// machine describes the host and the versions the columns ran on.
func (e *env) machine() []string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	ossl := "unknown"
	if out, err := exec.Command(e.cbench, "version").Output(); err == nil {
		ossl = strings.TrimSpace(string(out))
	}
	py := "unknown"
	if out, err := exec.Command("python3", "-c", "import sys, ssl; print(sys.version.split()[0], 'with', ssl.OPENSSL_VERSION)").Output(); err == nil {
		py = strings.TrimSpace(string(out))
	}
	return []string{
		fmt.Sprintf("CPU: %s, %d logical CPUs, every process pinned to CPU %s (taskset), GOMAXPROCS=1", cpu, runtime.NumCPU(), e.cfg.cpu),
		"OpenSSL (C, go-openssl, membio): " + ossl,
		"Python: " + py,
		"Go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
	}
}
