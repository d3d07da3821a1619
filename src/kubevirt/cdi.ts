// CDI's (containerized-data-importer) well-known labels, annotations and names, as upstream spells
// them (pkg/controller/common/util.go, pkg/controller/dataimportcron-controller.go), and small pure
// readers of CDI objects shared by the operator and the sandbox's CDI simulator.
import type { DataImportCron, DataSource } from './types.ts';

/** On a DataImportCron's imports (DataVolume, PVC, VolumeSnapshot) and its managed DataSource: the cron's name. */
export const CDI_LABEL_DATA_IMPORT_CRON = 'cdi.kubevirt.io/dataImportCron';
/** On a DataImportCron: the digest of the image the next import takes (`sha256:…`, or `uid:<uid>` for a PVC source). */
export const CDI_ANNOTATION_DESIRED_DIGEST = 'cdi.kubevirt.io/storage.import.sourceDesiredDigest';
/** On an import PVC or VolumeSnapshot: when the cron last made it its current import (RFC 3339); GC keeps the newest. */
export const CDI_ANNOTATION_LAST_USE_TIME = 'cdi.kubevirt.io/storage.import.lastUseTime';
/** On a DataImportCron: the last poll of the source. */
export const CDI_ANNOTATION_LAST_CRON_TIME = 'cdi.kubevirt.io/storage.import.lastCronTime';
/** On an imported PVC: the source URL (a registry import pinned by the cron ends in `@sha256:<digest>`). */
export const CDI_ANNOTATION_ENDPOINT = 'cdi.kubevirt.io/storage.import.endpoint';
/** On an imported PVC: the kind of source (registry, http, ...). */
export const CDI_ANNOTATION_SOURCE = 'cdi.kubevirt.io/storage.import.source';
/** CDI's DataImportCron keeps this many imports when importsToKeep is not set. */
export const CDI_DEFAULT_IMPORTS_TO_KEEP = 3;
/** The API group of CDI's kinds. */
export const CDI_GROUP = 'cdi.kubevirt.io';

/** The ImportStatus entries of a DataImportCron (CDI spells their keys DataVolumeName and Digest). */
export function currentImports(cron: DataImportCron | undefined): { readonly name: string; readonly digest: string }[] {
  return (cron?.status?.currentImports ?? []).map((i) => ({ name: i.DataVolumeName, digest: i.Digest }));
}

/** The Ready condition of a DataSource is True (CDI clears status.source while it is not). */
export function isDataSourceReady(ds: DataSource | undefined): boolean {
  return ds?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** A condition of a CDI object (DataVolume, DataSource, DataImportCron: the same shape). */
export function cdiCondition(
  conditions: readonly { type: string; status: string; reason?: string; message?: string }[] | undefined,
  type: string,
): { readonly status: string; readonly reason?: string; readonly message?: string } | undefined {
  return conditions?.find((c) => c.type === type);
}
