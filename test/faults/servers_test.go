package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// dataServer serves a biased prediction log at /<namespace>.csv. A closed
// gate holds requests until it opens, so a test can keep pods running.
type dataServer struct {
	*httptest.Server
	mu     sync.Mutex
	gates  map[string]chan struct{}
	bodies map[string][]byte // name -> body, instead of the biased log
}

func newDataServer(l net.Listener) *dataServer {
	d := &dataServer{gates: map[string]chan struct{}{}, bodies: map[string][]byte{}}
	d.Server = serveOn(l, http.HandlerFunc(d.handle))
	return d
}

// serveOn starts an HTTP test server on l (the node's host address, which
// pods and the manager's pods reach).
func serveOn(l net.Listener, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	return srv
}

// biasedLog approves group a four times as often as group b: demographic
// parity difference 0.6, far beyond the suite's 0.1 threshold.
var biasedLog = func() string {
	var b strings.Builder
	b.WriteString("y,p,g\n")
	for i := range 500 {
		fmt.Fprintf(&b, "%d,%d,a\n", i%2, boolInt(i%5 != 0))
		fmt.Fprintf(&b, "%d,%d,b\n", i%2, boolInt(i%5 == 0))
	}
	return b.String()
}()

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

func (d *dataServer) handle(w http.ResponseWriter, r *http.Request) {
	ns := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".csv")
	d.mu.Lock()
	gate, body, custom := d.gates[ns], d.bodies[ns], d.bodies[ns] != nil
	d.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if custom {
		_, _ = w.Write(body)
		return
	}
	_, _ = io.WriteString(w, biasedLog)
}

// serve makes /<name>.csv answer body.
func (d *dataServer) serve(name string, body []byte) string {
	d.mu.Lock()
	d.bodies[name] = body
	d.mu.Unlock()
	return d.URL + "/" + name + ".csv"
}

// hold closes the gate of a namespace; the returned function opens it.
func (d *dataServer) hold(ns string) (release func()) {
	gate := make(chan struct{})
	d.mu.Lock()
	d.gates[ns] = gate
	d.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(gate) }) }
}

// hookReceiver is a webhook target that records every POST by namespace and
// idempotency key.
type hookReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	slack []string                  // bodies POSTed to /slack
	got   map[string]map[string]int // namespace -> idempotency key -> POSTs accepted
}

func newHookReceiver(l net.Listener) *hookReceiver {
	h := &hookReceiver{got: map[string]map[string]int{}}
	h.Server = serveOn(l, h)
	return h
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Namespace string `json:"namespace"`
	}
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &msg)
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.URL.Path == "/slack" {
		h.slack = append(h.slack, string(body))
		return
	}
	if h.got[msg.Namespace] == nil {
		h.got[msg.Namespace] = map[string]int{}
	}
	h.got[msg.Namespace][r.Header.Get("Idempotency-Key")]++
}

// deliveries reports, for a namespace, the distinct idempotency keys and the
// POSTs received.
func (h *hookReceiver) deliveries(ns string) (keys, posts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.got[ns] {
		keys++
		posts += n
	}
	return keys, posts
}

func (h *hookReceiver) slackBodies() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.slack...)
}
