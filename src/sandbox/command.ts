// `vapp-operator sandbox`: a local cluster to try the operator on, kept running until Ctrl-C.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { createLogger } from '../runtime/log.ts';
import { startSandboxCluster } from './cluster.ts';
import { startSimulator } from './simulator/index.ts';

export function sandboxCommand(): Command {
  return new Command('sandbox')
    .description(
      'Start a local cluster: control plane (etcd, kube-apiserver, kube-controller-manager), the CRDs and the KubeVirt simulator',
    )
    .option('--dir <dir>', 'folder for the sandbox state; its kubeconfig is written there', '.sandbox')
    .action(async (opts: { dir: string }) => {
      const dir = path.resolve(opts.dir);
      const stateDir = path.join(dir, 'controlplane');
      await rm(stateDir, { recursive: true, force: true });
      await rm(path.join(dir, 'volumes'), { recursive: true, force: true });
      await mkdir(stateDir, { recursive: true });
      const started = Date.now();
      const cluster = await startSandboxCluster({ dir: stateDir });
      // KubeVirt, CSI snapshots and the kubelet are simulated; volumes are files under <dir>/volumes.
      const simulator = await startSimulator({
        kubeConfig: cluster.kubeConfig,
        volumesDir: path.join(dir, 'volumes'),
        logger: createLogger({ level: 'warn' }),
      });
      const kubeconfig = path.join(dir, 'kubeconfig');
      await copyFile(cluster.kubeconfigPath, kubeconfig);
      const rel = path.relative(process.cwd(), kubeconfig) || kubeconfig;
      console.log(`sandbox ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.server}`);
      console.log(`  kubectl --kubeconfig ${rel} api-resources --api-group=vapp.dev`);
      console.log(`  kubectl --kubeconfig ${rel} apply -k config/samples      # then: make run`);
      console.log(`  export KUBECONFIG=${kubeconfig}`);
      console.log(`logs in ${stateDir}; press Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      console.log('stopping the sandbox...');
      // The simulator first: with it gone, deleted Pods would wait for a kubelet that never comes.
      await simulator.stop();
      await cluster.stop();
      await rm(kubeconfig, { force: true });
    });
}
