{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "NnJ6ZpgytchvkVfiDQ2Ab5m+jk8+bmHMmk6rx3lBOLJtxyPCueBA2xHP/KMAxfh7HyWbqBXhFZhQtr5jZj/+Bg=="
}
