package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"strings"
)

// finalStage is the metadata of a Dockerfile's last stage that an image
// built without Docker must carry too.
type finalStage struct {
	Labels     map[string]string
	User       string
	Entrypoint []string
	WorkingDir string
	// Copies are the destinations of COPY lines (the files the stage adds).
	Copies []string
	// unsupported are instructions hack/image cannot reproduce.
	unsupported []string
}

// readFinalStage parses the instructions of the last FROM stage. It knows
// the few instructions a runtime stage of this project uses and refuses
// others, so a Dockerfile change cannot silently diverge from `make image`.
func readFinalStage(path, version string) (finalStage, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return finalStage{}, err
	}
	var stage *finalStage
	for n, line := range logicalLines(string(raw)) {
		word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest = strings.TrimSpace(rest)
		word = strings.ToUpper(word)
		if stage == nil && word != "FROM" && word != "ARG" {
			return finalStage{}, fmt.Errorf("%s: %s before FROM", path, word)
		}
		switch word {
		case "FROM":
			stage = &finalStage{Labels: map[string]string{}}
		case "ARG":
		case "LABEL":
			pairs, err := labelPairs(rest, version)
			if err != nil {
				return finalStage{}, fmt.Errorf("%s: instruction %d: %w", path, n+1, err)
			}
			maps.Copy(stage.Labels, pairs)
		case "USER":
			stage.User = rest
		case "WORKDIR":
			stage.WorkingDir = rest
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &stage.Entrypoint); err != nil {
				return finalStage{}, fmt.Errorf("%s: ENTRYPOINT must be the JSON (exec) form: %w", path, err)
			}
		case "COPY":
			fields := strings.Fields(rest)
			stage.Copies = append(stage.Copies, fields[len(fields)-1])
		default:
			stage.unsupported = append(stage.unsupported, word)
		}
	}
	if stage == nil {
		return finalStage{}, fmt.Errorf("%s: no FROM", path)
	}
	if len(stage.unsupported) > 0 {
		return finalStage{}, fmt.Errorf("%s: the final stage has %v, which hack/image does not reproduce",
			path, stage.unsupported)
	}
	return *stage, nil
}

// logicalLines joins continuation lines and drops comments and blanks.
func logicalLines(text string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(trimmed)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// labelPairs reads key="value" pairs; ${VERSION} in a value is the version.
func labelPairs(text, version string) (map[string]string, error) {
	pairs := map[string]string{}
	for text = strings.TrimSpace(text); text != ""; text = strings.TrimSpace(text) {
		key, rest, ok := strings.Cut(text, "=")
		if !ok || !strings.HasPrefix(rest, `"`) {
			return nil, fmt.Errorf("LABEL %q: want key=\"value\"", text)
		}
		end := strings.Index(rest[1:], `"`)
		if end < 0 {
			return nil, fmt.Errorf("LABEL %s: unterminated value", key)
		}
		pairs[key] = strings.ReplaceAll(rest[1:end+1], "${VERSION}", version)
		text = rest[end+2:]
	}
	return pairs, nil
}
