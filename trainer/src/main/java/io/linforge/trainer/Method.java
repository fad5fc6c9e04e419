package io.linforge.trainer;

import io.linforge.core.adapter.Adapter;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.optim.Schedule;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A fine-tuning method as the registry ({@link Methods}) knows it: its name on the command line,
 * its defaults, the checks of its options, which parameters it trains ({@link #create}), and what
 * a classifier run writes ({@link #adapter}). Each method is one package beside this type.
 */
public interface Method {
    /** The name {@code --method} takes. */
    String name();

    /** The learning rate when {@code --lr} is not given. */
    double defaultLr();

    /** The schedule when {@code --schedule} is not given; {@code taskDefault} is the task's (linear or cosine). */
    default Schedule.Kind defaultSchedule(Schedule.Kind taskDefault) {
        return taskDefault;
    }

    /** The learning rate of update {@code step} under {@code kind}. */
    default double learningRate(TrainConfig c, Schedule.Kind kind, int step) {
        return Schedule.lr(kind, c.lr(), step, c.warmup(), c.steps());
    }

    /** Exit 2 naming the option when one of the method's own settings is out of range. */
    default void validate(TrainConfig c) {
    }

    /**
     * Marks what trains on a loaded model (every parameter starts frozen) and returns the method's state.
     *
     * @param alwaysTrained parameters every method trains in full (classification heads; for language
     *     modelling the embeddings, norms and LM head)
     * @param noAdapters linears that never get adapters (the heads)
     */
    TrainingMethod create(TransformerModel model, TrainConfig c, List<Parameter> alwaysTrained, List<Linear> noAdapters);

    /**
     * The adapter folder a classifier run writes, or null when it writes a checkpoint (with what it
     * trained folded in by {@link TrainingMethod#fold()}).
     */
    default Adapter adapter(TrainingMethod trained, Output out) {
        return null;
    }

    /**
     * What an adapter writer needs from the run: the settings, the base checkpoint's path, the name a
     * module has in the Hugging Face class a PEFT user loads, the tensors trained whole (the head) by that
     * name, the PEFT {@code modules_to_save} and task type.
     */
    record Output(TrainConfig config, String baseModel, Function<String, String> hfName,
            Map<String, TensorData> wholeTensors, List<String> modulesToSave, String taskType) {
    }
}
