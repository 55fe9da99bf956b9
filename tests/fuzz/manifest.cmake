coco_add_fuzzer(manifest)
