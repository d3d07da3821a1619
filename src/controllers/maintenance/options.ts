// Settings of the MaintenancePlan controller that are not in the plan itself.

export interface MaintenanceOptions {
  /** The clock (tests inject one to move into a maintenance window). */
  readonly now?: () => Date;
  /** Image of the data-sync worker: this operator's own image (`vapp-operator datasync`). */
  readonly datasyncImage?: string;
  /** Image of the HTTP check Job. */
  readonly checkImage?: string;
  /** How long a clone VM may take to become ready, or a Job to finish, before the step fails. */
  readonly stepTimeoutMs?: number;
  /** Period of the checks while observing after the cut-over. */
  readonly observeIntervalMs?: number;
  /** The label Argo CD tracks resources by ('' for none): clones never get it (see cloneManifest). */
  readonly gitopsTrackingLabel?: string;
}

export const DEFAULT_DATASYNC_IMAGE = 'ghcr.io/vapp-dev/vapp-operator:v0.1.0';
export const DEFAULT_CHECK_IMAGE = 'docker.io/curlimages/curl:8.11.1';
export const DEFAULT_STEP_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_OBSERVE_INTERVAL_MS = 30_000;
/** Argo CD's default instance label (argocd-cm application.instanceLabelKey). */
export const DEFAULT_GITOPS_TRACKING_LABEL = 'app.kubernetes.io/instance';
