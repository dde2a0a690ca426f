package containerlabs.image;

import java.nio.file.Path;
import java.util.List;

/**
 * What an archive holds for one image, its blobs checked against their digests: the config
 * blob (the image's {@code config.json}) and the layers, lowest first.
 */
record ImageParts(Path config, List<Path> layers) {}
