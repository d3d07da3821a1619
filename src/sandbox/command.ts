// `vapp-operator sandbox`: a local cluster to try the operator on, kept running until Ctrl-C.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { startSandboxCluster } from './cluster.ts';

export function sandboxCommand(): Command {
  return new Command('sandbox')
    .description('Start a local control plane (etcd, kube-apiserver, kube-controller-manager) with the CRDs installed')
    .option('--dir <dir>', 'folder for the sandbox state; its kubeconfig is written there', '.sandbox')
    .action(async (opts: { dir: string }) => {
      const dir = path.resolve(opts.dir);
      const stateDir = path.join(dir, 'controlplane');
      await rm(stateDir, { recursive: true, force: true });
      await mkdir(stateDir, { recursive: true });
      const started = Date.now();
      const cluster = await startSandboxCluster({ dir: stateDir });
      const kubeconfig = path.join(dir, 'kubeconfig');
      await copyFile(cluster.kubeconfigPath, kubeconfig);
      const rel = path.relative(process.cwd(), kubeconfig) || kubeconfig;
      console.log(`sandbox ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.server}`);
      console.log(`  kubectl --kubeconfig ${rel} api-resources --categories=vapp`);
      console.log(`  export KUBECONFIG=${kubeconfig}`);
      console.log(`logs in ${stateDir}; press Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      console.log('stopping the sandbox...');
      await cluster.stop();
      await rm(kubeconfig, { force: true });
    });
}
