# Remote state in S3. The settings are given at init time, from a file you keep out of git:
#   cp backend.hcl.example backend.hcl   # then edit
#   terraform init -backend-config=backend.hcl
terraform {
  backend "s3" {}
}
