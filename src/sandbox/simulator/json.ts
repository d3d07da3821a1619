// Plain-JSON shapes of the core objects the simulator writes. client-node's V1Pod and friends
// are classes with Date fields, while the informer cache and our patches hold the API's JSON:
// these types say what is really there. Metadata reuses the generated (plain) ObjectMeta.
import type { components } from '../../kubevirt/generated/kubevirt.ts';
import type { Condition } from './conditions.ts';

export type ObjectMeta = components['schemas']['k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta'];

/** A condition as the API carries it (the shape KubeVirt and the kubelet write, see conditions.ts). */
export type ConditionJson = Condition;

export interface ContainerJson {
  name: string;
  image?: string;
  command?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}

export interface ContainerStatusJson {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: { running?: { startedAt: string } };
}

export interface PodStatusJson {
  phase?: string;
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  qosClass?: string;
  conditions?: ConditionJson[];
  containerStatuses?: ContainerStatusJson[];
}

export interface PodJson {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    nodeName?: string;
    hostname?: string;
    subdomain?: string;
    restartPolicy?: string;
    automountServiceAccountToken?: boolean;
    terminationGracePeriodSeconds?: number;
    nodeSelector?: Record<string, string>;
    securityContext?: Record<string, unknown>;
    containers: ContainerJson[];
  };
  status?: PodStatusJson;
}

export interface NodeJson {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: ObjectMeta;
  spec?: { podCIDR?: string; podCIDRs?: string[] };
}
