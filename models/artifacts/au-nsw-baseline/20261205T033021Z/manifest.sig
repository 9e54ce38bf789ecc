{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "YE0P82pgT7vB6VkLWx7i7MQjKnQrpRLaTYjtWSaAVKFcZNuIy06uWyK4093CLGkVpVUN7Ix9GdMiPDw0Gf5ABg=="
}
