// argocd-lua runs this project's Argo CD resource customizations (health checks and resource
// actions, as installed in argocd-cm) through Argo CD's own code: the settings manager parses the
// ConfigMap, util/lua runs the scripts in Argo CD's gopher-lua VM (its libraries, its `obj` global,
// its time limit), gitops-engine's health entry point computes the health, and an action's result
// becomes the merge patch that the Argo CD API server would send (server/application's
// patchResource, split into the status and non-status parts the same way).
//
// Usage: argocd-lua --argocd-cm FILE < objects.json
//
// FILE is a ConfigMap manifest carrying resource.customizations.* keys (config/argocd/argocd-cm-patch.yaml).
// The input is one JSON object or an array of them (live objects, as `kubectl get -o json` prints
// them); the output is a JSON array with, for each object, its health, the actions that discovery
// offers, and the patch of every action the ConfigMap defines for its kind (run even when
// discovery disables it, as the API server itself would).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	appv1 "github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/util/lua"
	"github.com/argoproj/argo-cd/v3/util/settings"
	"github.com/argoproj/gitops-engine/pkg/health"
	jsonpatch "github.com/evanphx/json-patch"
	log "github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"
)

const argocdNamespace = "argocd"

type healthResult struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type actionResult struct {
	// Operation is Argo CD's k8sOperation: patch (the object itself, modified) or create.
	Operation string `json:"operation,omitempty"`
	// Patch is the JSON merge patch of everything but status; StatusPatch goes to the status subresource.
	Patch       json.RawMessage `json:"patch"`
	StatusPatch json.RawMessage `json:"statusPatch"`
	Error       string          `json:"error,omitempty"`
}

type objectResult struct {
	Health  *healthResult           `json:"health"`
	Actions []appv1.ResourceAction  `json:"actions"`
	Results map[string]actionResult `json:"results"`
	Error   string                  `json:"error,omitempty"`
}

func main() {
	cmFile := flag.String("argocd-cm", "", "ConfigMap manifest with the resource.customizations.* keys")
	flag.Parse()
	log.SetLevel(log.WarnLevel) // the settings manager's informer chatter
	if *cmFile == "" {
		fmt.Fprintln(os.Stderr, "usage: argocd-lua --argocd-cm FILE < objects.json")
		os.Exit(2)
	}
	if err := run(*cmFile, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "argocd-lua:", err)
		os.Exit(1)
	}
}

func run(cmFile string, in io.Reader, out io.Writer) error {
	overrides, err := resourceOverrides(cmFile)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	objects, err := decodeObjects(data)
	if err != nil {
		return err
	}
	results := make([]objectResult, 0, len(objects))
	for _, o := range objects {
		results = append(results, evaluate(overrides, &unstructured.Unstructured{Object: o}))
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(results)
}

// resourceOverrides reads the ConfigMap as Argo CD does: through its settings manager, from a
// client holding argocd-cm (labelled as Argo CD's install labels it) and an empty argocd-secret.
func resourceOverrides(cmFile string) (map[string]appv1.ResourceOverride, error) {
	raw, err := os.ReadFile(cmFile)
	if err != nil {
		return nil, err
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(raw, &cm); err != nil {
		return nil, fmt.Errorf("%s: %w", cmFile, err)
	}
	if cm.Name != "argocd-cm" {
		return nil, fmt.Errorf("%s: the ConfigMap is %q, Argo CD reads argocd-cm", cmFile, cm.Name)
	}
	labels := map[string]string{"app.kubernetes.io/part-of": "argocd"}
	cm.Namespace = argocdNamespace
	cm.Labels = labels
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "argocd-secret", Namespace: argocdNamespace, Labels: labels}}
	mgr := settings.NewSettingsManager(context.Background(), fake.NewClientset(&cm, secret), argocdNamespace)
	return mgr.GetResourceOverrides()
}

// decodeObjects accepts one object or an array; integers stay int64, as in objects from a client.
func decodeObjects(data []byte) ([]map[string]any, error) {
	var objects []map[string]any
	if err := utiljson.Unmarshal(data, &objects); err == nil {
		return objects, nil
	}
	var one map[string]any
	if err := utiljson.Unmarshal(data, &one); err != nil {
		return nil, fmt.Errorf("the input is neither a JSON object nor an array of objects: %w", err)
	}
	return []map[string]any{one}, nil
}

func evaluate(overrides map[string]appv1.ResourceOverride, obj *unstructured.Unstructured) objectResult {
	res := objectResult{Actions: []appv1.ResourceAction{}, Results: map[string]actionResult{}}
	// The application controller's call: deletion first, then the override, then built-in checks.
	hs, err := health.GetResourceHealth(obj, lua.ResourceHealthOverrides(overrides))
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if hs != nil {
		res.Health = &healthResult{Status: string(hs.Status), Message: hs.Message}
	}

	vm := lua.VM{ResourceOverrides: overrides}
	scripts, err := vm.GetResourceActionDiscovery(obj)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if len(scripts) > 0 {
		actions, err := vm.ExecuteResourceActionDiscovery(obj, scripts)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		sort.Slice(actions, func(i, j int) bool { return actions[i].Name < actions[j].Name })
		res.Actions = actions
	}

	override, ok := overrides[lua.GetConfigMapKey(obj.GroupVersionKind())]
	if !ok || override.Actions == "" {
		return res
	}
	defs, err := override.GetActions()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	for _, def := range defs.Definitions {
		res.Results[def.Name] = runAction(vm, obj, def.Name)
	}
	return res
}

// runAction is the API server's RunResourceActionV2 up to the request it sends for a patch.
func runAction(vm lua.VM, live *unstructured.Unstructured, name string) actionResult {
	fail := func(err error) actionResult { return actionResult{Error: err.Error()} }
	action, err := vm.GetResourceAction(live, name)
	if err != nil {
		return fail(err)
	}
	// The script may modify the object it is given: run it on a copy, keep the live one to diff against.
	impacted, err := vm.ExecuteResourceAction(live.DeepCopy(), action.ActionLua, nil)
	if err != nil {
		return fail(err)
	}
	if len(impacted) != 1 {
		return fail(fmt.Errorf("the action returned %d resources; these actions change the object itself", len(impacted)))
	}
	r := impacted[0]
	if r.K8SOperation != lua.PatchOperation {
		return actionResult{Operation: string(r.K8SOperation)}
	}
	liveBytes, err := json.Marshal(live.Object)
	if err != nil {
		return fail(err)
	}
	newBytes, err := json.Marshal(r.UnstructuredObj.Object)
	if err != nil {
		return fail(err)
	}
	diff, err := jsonpatch.CreateMergePatch(liveBytes, newBytes)
	if err != nil {
		return fail(err)
	}
	result := actionResult{Operation: string(r.K8SOperation), Patch: json.RawMessage("null"), StatusPatch: json.RawMessage("null")}
	if string(diff) == "{}" {
		return result
	}
	patch, statusPatch, err := splitStatusPatch(diff)
	if err != nil {
		return fail(err)
	}
	if patch != nil {
		result.Patch = patch
	}
	if statusPatch != nil {
		result.StatusPatch = statusPatch
	}
	return result
}

// splitStatusPatch does what server/application's function of that name does: status goes to the
// status subresource, the rest to the object.
func splitStatusPatch(patch []byte) (nonStatus, status []byte, err error) {
	var obj map[string]any
	if err := json.Unmarshal(patch, &obj); err != nil {
		return nil, nil, err
	}
	statusVal, ok := obj["status"]
	if !ok {
		return patch, nil, nil
	}
	if status, err = json.Marshal(map[string]any{"status": statusVal}); err != nil {
		return nil, nil, err
	}
	delete(obj, "status")
	if len(obj) > 0 {
		if nonStatus, err = json.Marshal(obj); err != nil {
			return nil, nil, err
		}
	}
	return nonStatus, status, nil
}
