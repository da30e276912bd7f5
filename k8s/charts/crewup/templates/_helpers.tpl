{{/* Names */}}
{{- define "crewup.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "crewup.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The name of one component's objects: (list $ "event") */}}
{{- define "crewup.componentName" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s" (include "crewup.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "crewup.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}{{ include "crewup.fullname" . }}{{ else }}default{{ end }}
{{- end }}

{{/* Labels: (list $ "event" "web") */}}
{{- define "crewup.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "crewup.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "crewup.labels" -}}
{{- $root := index . 0 -}}
{{ include "crewup.selectorLabels" . }}
app.kubernetes.io/part-of: crewup
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
crewup.io/role: {{ index . 2 }}
{{- end }}

{{/* An image reference: (list $ "event") */}}
{{- define "crewup.image" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- if not (hasKey $root.Values.imageTags $name) }}
{{- fail (printf "imageTags has no entry for image %q" $name) }}
{{- end }}
{{- $tag := index $root.Values.imageTags $name | default $root.Chart.AppVersion }}
{{- printf "%s/%s-%s:%s" $root.Values.image.registry $root.Values.image.repositoryPrefix $name (toString $tag) }}
{{- end }}

{{/* One HTTP service's settings, the defaults under its own: (list $ "event" $cfg) -> YAML */}}
{{- define "crewup.serviceSettings" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $cfg := index . 2 | default dict }}
{{- $settings := mergeOverwrite (deepCopy $root.Values.serviceDefaults) (deepCopy $cfg) }}
{{- /* mergeOverwrite cannot turn a default `true` off: read the flags from the entry itself. */}}
{{- $_ := set $settings "enabled" (dig "enabled" $root.Values.serviceDefaults.enabled $cfg) }}
{{- $_ := set $settings.podDisruptionBudget "enabled" (dig "podDisruptionBudget" "enabled" $root.Values.serviceDefaults.podDisruptionBudget.enabled $cfg) }}
{{- $_ := set $settings "service" (default $name $settings.service) }}
{{- $_ := set $settings "image" (default $settings.service $settings.image) }}
{{- toYaml $settings }}
{{- end }}

{{/* One worker's settings, the defaults under its own: (list $ "user-worker" $cfg) -> YAML */}}
{{- define "crewup.workerSettings" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $cfg := index . 2 | default dict }}
{{- $settings := mergeOverwrite (deepCopy $root.Values.workerDefaults) (deepCopy $cfg) }}
{{- $_ := set $settings "enabled" (dig "enabled" $root.Values.workerDefaults.enabled $cfg) }}
{{- $_ := set $settings.metrics "enabled" (and (ne $settings.role "beat") (dig "metrics" "enabled" $root.Values.workerDefaults.metrics.enabled $cfg)) }}
{{- if not $settings.service }}
{{- fail (printf "workers.%s.service: name the Django service (event, group, user, safety, moderation)" $name) }}
{{- end }}
{{- $_ := set $settings "image" (default $settings.service $settings.image) }}
{{- toYaml $settings }}
{{- end }}

{{/* Pod annotations of a Python pod: (list $ port) */}}
{{- define "crewup.podAnnotations" -}}
{{- $root := index . 0 -}}
checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
{{- if $root.Values.metrics.scrape }}
prometheus.io/scrape: "true"
prometheus.io/path: {{ $root.Values.metrics.path | quote }}
prometheus.io/port: {{ index . 1 | quote }}
{{- end }}
{{- end }}

{{- define "crewup.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "crewup.containerSecurityContext" -}}
{{ toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* The environment of every Python container: (list $ "event" $extraEnv) */}}
{{- define "crewup.pythonEnv" -}}
{{- $root := index . 0 -}}
envFrom:
  - configMapRef:
      name: {{ include "crewup.fullname" $root }}
  - secretRef:
      name: {{ required "existingSecret: name the Secret with DJANGO_SECRET_KEY, DATABASE_URL, REDIS_URL and RABBITMQ_URL" $root.Values.existingSecret }}
env:
  - name: CREWUP_SERVICE
    value: {{ index . 1 | quote }}
  - name: POD_IP
    valueFrom:
      fieldRef:
        fieldPath: status.podIP
  # Probes and scrapes address the pod by its IP; other services by the Service's name.
  - name: DJANGO_ALLOWED_HOSTS
    value: {{ printf "$(POD_IP),%s,%s" $root.Values.host (include "crewup.internalHosts" $root) | quote }}
  - name: PROMETHEUS_MULTIPROC_DIR
    value: {{ $root.Values.volumes.metricsDir | quote }}
{{- range $key, $value := index . 2 }}
  - name: {{ $key }}
    value: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* Host names the services are called by inside the cluster. */}}
{{- define "crewup.internalHosts" -}}
{{- $hosts := list }}
{{- range $name, $cfg := .Values.services }}
{{- $hosts = append $hosts (include "crewup.componentName" (list $ $name)) }}
{{- end }}
{{- $hosts = append $hosts (printf ".%s.svc" .Release.Namespace) }}
{{- $hosts = append $hosts (printf ".%s.svc.cluster.local" .Release.Namespace) }}
{{- join "," $hosts }}
{{- end }}

{{- define "crewup.pythonVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: metrics
  mountPath: {{ .Values.volumes.metricsDir }}
{{- end }}

{{- define "crewup.pythonVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.volumes.tmpSizeLimit }}
- name: metrics
  emptyDir:
    medium: Memory
    sizeLimit: {{ .Values.volumes.metricsSizeLimit }}
{{- end }}

{{/* An HTTP GET probe on the container's http port: (dict "probe" $probe) */}}
{{- define "crewup.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end }}

{{/* Spread a component's pods over nodes and zones when it can. (list $ "event") */}}
{{- define "crewup.topologySpread" -}}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "crewup.selectorLabels" (list (index . 0) (index . 1) ) | nindent 6 }}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "crewup.selectorLabels" (list (index . 0) (index . 1) ) | nindent 6 }}
{{- end }}
