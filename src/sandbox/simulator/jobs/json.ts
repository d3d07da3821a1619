// Plain-JSON shapes of Jobs and of their Pods, as far as the simulated kubelet reads them.
import type { ObjectMeta } from '../json.ts';

export interface EnvVarJson {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface JobContainerJson {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVarJson[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  volumeDevices?: { name: string; devicePath: string }[];
}

export interface JobPodVolumeJson {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  configMap?: { name: string; items?: { key: string; path: string }[] };
  downwardAPI?: { items?: { path: string; fieldRef?: { fieldPath: string } }[] };
  projected?: {
    sources?: { serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string } }[];
  };
}

export interface JobPodJson {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    nodeName?: string;
    serviceAccountName?: string;
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: {
          nodeSelectorTerms?: { matchFields?: { key: string; operator: string; values?: string[] }[] }[];
        };
      };
    };
    containers: JobContainerJson[];
    initContainers?: JobContainerJson[];
    volumes?: JobPodVolumeJson[];
    restartPolicy?: string;
  };
  status?: {
    phase?: string;
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string | null;
      lastProbeTime?: string | null;
    }[];
    containerStatuses?: unknown[];
    startTime?: string;
    hostIP?: string;
    podIP?: string;
  };
}

export interface JobJson {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: { template?: { metadata?: ObjectMeta } };
}
