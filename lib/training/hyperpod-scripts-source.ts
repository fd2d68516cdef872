import * as path from 'node:path';

/**
 * Lifecycle scripts the stack itself uploads to an instance group's lifecycle scripts prefix,
 * before the HyperPod cluster is created (a dependency, not a race with a manual upload). Give
 * one as `source` of `HyperPodLifecycleScripts`.
 */
export class HyperPodScriptsSource {
  /**
   * The library's entry point for EKS-orchestrated clusters (`on_create.sh`, run when a node is
   * created): containerd's and the kubelet's state (container images, pod volumes) move to the
   * instance group's extra EBS volume (`ebsVolumeSize`, mounted by HyperPod at `/opt/sagemaker`)
   * through systemd bind mounts that hold after a reboot; a node without the volume is left as the
   * AMI made it. Pods mount the project's FSx for Lustre through the FSx CSI driver, not the node.
   */
  public static eksNodeStorage(): HyperPodScriptsSource {
    return new HyperPodScriptsSource(path.join(__dirname, 'assets', 'hyperpod-eks'), 'on_create.sh', true);
  }

  /**
   * The team's own scripts: every file of a local directory, uploaded as they are. The directory
   * must hold the entry point (`onCreate`) at its top level; this is checked at synth.
   */
  public static fromDirectory(directory: string): HyperPodScriptsSource {
    return new HyperPodScriptsSource(path.resolve(directory), undefined, false);
  }

  /** Absolute path of the local directory whose files are uploaded. */
  public readonly directory: string;
  /**
   * The entry point the scripts are written for, when they fix one.
   *
   * @default - any file of the directory, named by `onCreate`
   */
  public readonly entryPoint?: string;
  /** Whether the scripts are for EKS-orchestrated clusters only. */
  public readonly eksOnly: boolean;

  private constructor(directory: string, entryPoint: string | undefined, eksOnly: boolean) {
    this.directory = directory;
    this.entryPoint = entryPoint;
    this.eksOnly = eksOnly;
  }
}
