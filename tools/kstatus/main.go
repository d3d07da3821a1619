// kstatus prints the kstatus of Kubernetes objects, computed by sigs.k8s.io/cli-utils/pkg/kstatus/status
// (the library Flux and kpt wait with), so that tests check the operator's conditions against the
// real implementation rather than a reading of its documentation.
//
// Usage: kstatus < objects.json
//
// The input is one JSON object or a JSON array of objects (as `kubectl get -o json` items); the
// output is a JSON array with, for each, {"status": "InProgress|Current|Failed|Terminating|NotFound|Unknown", "message": "..."}.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type result struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	// apimachinery's decoder keeps integers as int64, as unstructured objects from a client are.
	var objects []map[string]any
	if err := utiljson.Unmarshal(data, &objects); err != nil {
		var one map[string]any
		if err := utiljson.Unmarshal(data, &one); err != nil {
			return fmt.Errorf("the input is neither a JSON object nor an array of objects: %w", err)
		}
		objects = []map[string]any{one}
	}
	results := make([]result, 0, len(objects))
	for _, o := range objects {
		r, err := status.Compute(&unstructured.Unstructured{Object: o})
		if err != nil {
			return fmt.Errorf("%v/%v: %w", o["kind"], o["metadata"], err)
		}
		results = append(results, result{Status: r.Status.String(), Message: r.Message})
	}
	return json.NewEncoder(out).Encode(results)
}
