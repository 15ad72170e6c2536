variable "name" {
  description = "Function name (also its role and log group name)."
  type        = string
}

variable "description" {
  description = "What the function does, shown in the console."
  type        = string
}

variable "source_dir" {
  description = "Directory holding the built bundle (index.mjs exporting handler)."
  type        = string
}

variable "policy_json" {
  description = "IAM policy document (JSON) with everything the function may do besides writing its logs."
  type        = string
}

variable "environment" {
  description = "Environment variables (the function's configuration); a null value leaves the variable out, so one map serves every mode."
  type        = map(string)
}

variable "memory_size" {
  description = "Memory in MB; CPU scales with it."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions, or -1 for none."
  type        = number
  default     = -1
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
}
