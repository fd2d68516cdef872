import { Construct } from 'constructs';
import { k8s } from './plus';

/** What a statically provisioned CSI volume needs. @internal */
export interface StaticVolumeSpec {
  readonly volumeName: string;
  readonly claimName: string;
  readonly namespace: string;
  readonly accessModes: string[];
  /** Capacity in GiB (ignored by the EFS and S3 drivers, required by Kubernetes). */
  readonly capacityGiB: number;
  readonly csi: k8s.CsiPersistentVolumeSource;
  readonly mountOptions?: string[];
}

/**
 * A PersistentVolume (child `Volume`) bound to a PersistentVolumeClaim (child `Resource`) of
 * `scope`. Static provisioning: no storage class, `claimRef` and `volumeName` pointing at each
 * other so the claim never gets a dynamically provisioned empty disk, and `Retain` so deleting
 * the claim never deletes the data. @internal
 */
export function createStaticVolume(scope: Construct, spec: StaticVolumeSpec): k8s.KubePersistentVolume {
  const storage = k8s.Quantity.fromString(`${spec.capacityGiB}Gi`);
  const volume = new k8s.KubePersistentVolume(scope, 'Volume', {
    metadata: { name: spec.volumeName },
    spec: {
      accessModes: spec.accessModes,
      capacity: { storage },
      csi: spec.csi,
      mountOptions: spec.mountOptions,
      storageClassName: '',
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
      claimRef: { name: spec.claimName, namespace: spec.namespace },
    },
  });
  new k8s.KubePersistentVolumeClaim(scope, 'Resource', {
    metadata: { name: spec.claimName, namespace: spec.namespace },
    spec: {
      accessModes: spec.accessModes,
      storageClassName: '',
      volumeName: spec.volumeName,
      volumeMode: 'Filesystem',
      resources: { requests: { storage } },
    },
  });
  return volume;
}

/**
 * A volume handle for the Mountpoint for S3 CSI driver, unique per bucket and prefix
 * (`s3-<bucket>-<prefix slug>`). @internal
 */
export function s3VolumeHandle(bucketName: string, prefix?: string): string {
  return `s3-${bucketName}${prefix ? `-${prefix.replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}` : ''}`;
}
