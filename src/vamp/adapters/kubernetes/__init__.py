"""The Kubernetes adapter: Vamp's runtime driver, gateway Services, leader election and workflows.

* ``config``: where the API server is and who we are (in-cluster service account, or a kubeconfig);
* ``client``: a thin asyncio client (lightkube) whose every failure is an ``errors.DriverError``;
* ``names`` and ``manifests``: pure translations of Vamp's specs and gateways into Kubernetes objects;
* ``informer`` and ``observed``: lean, live copies of Pods, Services and Deployments, by list-then-watch;
* ``namespaces``: Namespaces created when first used; ``environments``: an environment's Namespace made
  and deleted with it (``KubernetesEnvironments``, the ``ports.access.EnvironmentRuntime``);
* ``driver``: ``KubernetesDriver``, the ``ports.runtime.RuntimeDriver``;
* ``services``: ``GatewayServices``, the ``ports.exposure.GatewayExposure``;
* ``lease``: ``LeaderElection``, the ``ports.leadership.Leadership``;
* ``workflows``: ``KubernetesWorkflows``, the ``ports.workflows.WorkflowRuntime`` (daemons as Deployments,
  event runs as Jobs, time schedules as CronJobs), with ``workflow_manifests`` (the objects, pure) and
  ``workflow_executions`` (runs read back from Jobs and Pods, pure).

The manifests that install Vamp itself are in ``deploy/kubernetes``.
"""
