/**
 * The versions of the cluster add-ons the library's manifests need, in one place: what
 * `ClusterGitOpsChart` installs, and the floors the manifests were written against.
 *
 * - Kueue 0.19: ResourceFlavors matched on their own node label keys (GPU model labels of
 *   single-model pools); the `kueue.x-k8s.io/v1beta2` API of the queues.
 * - JobSet 0.12: the JobSet failure policy (`maxRestarts`, restart of the whole gang) the
 *   Kubeflow Trainer runs TrainJobs on.
 * - Kubeflow Trainer 2.3: `trainer.kubeflow.org/v1alpha1` TrainJobs and ClusterTrainingRuntimes.
 * - Karpenter 1.9 or later: `settings.isolatedVPC` (no pricing API, instance profiles from the
 *   EC2NodeClass) and the `karpenter.sh/v1` NodePool API.
 *
 * Chart versions and their images are released together upstream; the image tags here are those
 * the charts default to.
 */
export class AddonVersions {
  /** Kueue chart `oci://registry.k8s.io/kueue/charts/kueue` and image `registry.k8s.io/kueue/kueue`. */
  public static readonly KUEUE = '0.19.2';
  /** JobSet chart `oci://registry.k8s.io/jobset/charts/jobset` and image `registry.k8s.io/jobset/jobset`. */
  public static readonly JOBSET = '0.12.0';
  /** Kubeflow Trainer chart `oci://ghcr.io/kubeflow/charts/kubeflow-trainer` and controller image. */
  public static readonly KUBEFLOW_TRAINER = '2.3.0';
  /** Karpenter chart `oci://public.ecr.aws/karpenter/karpenter` and controller image. */
  public static readonly KARPENTER = '1.14.1';
  /** AWS EFA device plugin chart (`https://aws.github.io/eks-charts`, `aws-efa-k8s-device-plugin`). */
  public static readonly EFA_DEVICE_PLUGIN_CHART = '0.5.30';
  /** AWS EFA device plugin image tag the chart runs. */
  public static readonly EFA_DEVICE_PLUGIN_IMAGE = 'v0.5.20';

  /** NVIDIA device plugin chart (`https://nvidia.github.io/k8s-device-plugin`), for NVIDIA pools on AL2023. */
  public static readonly NVIDIA_DEVICE_PLUGIN = '0.20.0';

  private constructor() {}
}
