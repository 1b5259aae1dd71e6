/**
 * The sample workload of the Kubernetes documentation, used by the demo, the examples and the
 * tests: the nginx Deployment of
 * https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ (3 replicas of
 * nginx:1.14.2 on port 80) and a Service in front of it.
 */

/** The nginx Deployment manifest as YAML, with another image when given (a rolling update). */
export function nginxDeploymentYaml(image = 'nginx:1.14.2'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
`;
}

/** The nginx Deployment manifest of the Kubernetes documentation, as YAML. */
export const NGINX_DEPLOYMENT_YAML = nginxDeploymentYaml();

/** A Service selecting the nginx pods, as YAML. */
export const NGINX_SERVICE_YAML = `apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  selector:
    app: nginx
  ports:
  - protocol: TCP
    port: 80
    targetPort: 80
`;
