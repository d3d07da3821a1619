// API coordinates and JSON shapes of the CDI kinds the sandbox's CDI simulator plays.
import { CDI_GROUP } from '../../../kubevirt/cdi.ts';
import type { DataImportCron, DataSource, DataVolume } from '../../../kubevirt/types.ts';
import { KUBEVIRT } from '../../../kubevirt/types.ts';
import type { ResourceRef } from '../../../runtime/resources.ts';

export const CDI_RESOURCES = {
  dataVolumes: { ...KUBEVIRT.dataVolumes },
  dataSources: { ...KUBEVIRT.dataSources },
  dataImportCrons: { ...KUBEVIRT.dataImportCrons },
} as const satisfies Record<string, ResourceRef>;

export type { DataImportCron, DataSource, DataVolume };

/** The populator kinds a CDI-made PVC's dataSourceRef names (the CSI provisioner leaves such PVCs to CDI). */
export const CDI_POPULATOR_KINDS = ['VolumeImportSource', 'VolumeCloneSource', 'VolumeUploadSource'] as const;

/** CDI's annotation on a clone target PVC: the namespace of a cross-namespace source. */
export const CDI_ANNOTATION_DATA_SOURCE_NAMESPACE = `${CDI_GROUP}/dataSourceNamespace`;
/** CDI's annotation on a PVC it populates: the populator kind. */
export const CDI_ANNOTATION_POPULATOR_KIND = `${CDI_GROUP}/storage.populator.kind`;
/** CDI's annotation on a PVC it populates: the importer or cloner pod's phase. */
export const CDI_ANNOTATION_POD_PHASE = `${CDI_GROUP}/storage.pod.phase`;
